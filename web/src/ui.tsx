import type { ReactNode } from 'react';
import { ApiError } from './api.js';
import { type MessageKey, useI18n } from './i18n.js';

export type Role = 'owner' | 'marketer' | 'support' | 'analyst';
export const ROLE_KEYS: Record<Role, MessageKey> = {
  owner: 'roleOwner',
  marketer: 'roleMarketer',
  support: 'roleSupport',
  analyst: 'roleAnalyst',
};

export function Card(props: { title?: ReactNode; children: ReactNode; className?: string; testId?: string }) {
  return (
    <section className={`card ${props.className ?? ''}`} data-testid={props.testId}>
      {props.title ? <h2>{props.title}</h2> : null}
      {props.children}
    </section>
  );
}

export function Loading() {
  const { t } = useI18n();
  return <p className="muted">{t('loading')}</p>;
}

/** A field with its label and, in place, the API's message for it. */
export function Field(props: {
  label: string;
  error?: string | undefined;
  children: ReactNode;
  name: string;
}) {
  return (
    // biome-ignore lint/a11y/noLabelWithoutControl: the control is passed in as children.
    <label className={`field ${props.error ? 'has-error' : ''}`} data-field={props.name}>
      <span>{props.label}</span>
      {props.children}
      {props.error ? (
        <small className="field-error" role="alert" data-testid={`error-${props.name}`}>
          {props.error}
        </small>
      ) : null}
    </label>
  );
}

export function Forbidden(props: { role: Role }) {
  const { t } = useI18n();
  return (
    <Card title={t('forbiddenTitle')} className="forbidden" testId="forbidden">
      <p>{t('forbiddenBody', { role: t(ROLE_KEYS[props.role]) })}</p>
    </Card>
  );
}

export function NotAvailable(props: { title: string; built?: boolean }) {
  const { t } = useI18n();
  return (
    <Card title={props.title} className="not-available" testId="not-available">
      <p className="badge">{t('notAvailableTitle')}</p>
      <p className="muted">{props.built ? t('notBuiltBody') : t('notAvailableBody')}</p>
    </Card>
  );
}

/** An error from a load: a refused role gets the access-denied panel, anything else its message. */
export function LoadError(props: { error: unknown; role: Role }) {
  const { t } = useI18n();
  if (props.error instanceof ApiError && props.error.code === 'forbidden')
    return <Forbidden role={props.role} />;
  return (
    <p className="error" role="alert">
      {props.error instanceof ApiError ? props.error.problem.detail : t('genericError')}
    </p>
  );
}
