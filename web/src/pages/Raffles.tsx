import { type FormEvent, useState } from 'react';
import { api, enc } from '../api.js';
import { fmtDate, fmtDateTime, fmtNumber } from '../format.js';
import { useApi } from '../hooks.js';
import { useI18n } from '../i18n.js';
import { navigate } from '../router.js';
import { Card, Field, LoadError, Loading, type Role } from '../ui.js';
import {
  canWriteProgramme,
  DateInput,
  dayToIso,
  FormError,
  num,
  ProgrammeTabs,
  useSave,
} from './ProgrammeKit.js';

interface Raffle {
  id: string;
  name: string;
  description: string | null;
  status: 'open' | 'drawn';
  entryCostPoints: number;
  maxEntriesPerMember: number;
  closesAt: string;
  prizes: Array<{ nameFa: string; points: number }>;
  entries: number;
  seedCommitment: string;
  seed: string | null;
  publicSeed: string | null;
  drawnAt: string | null;
  winners: Array<{ rank: number; entryId: string; memberExternalId: string; prize: string }>;
}

interface Verification {
  algorithm: string;
  seedCommitment: string;
  seed: string;
  publicSeed: string | null;
  entryIds: string[];
  winners: string[];
  verified: boolean;
}

interface Draft {
  name: string;
  description: string;
  entryCostPoints: string;
  maxEntriesPerMember: string;
  closesAt: string;
  prizes: Array<{ nameFa: string; points: string }>;
}

const emptyDraft = (): Draft => ({
  name: '',
  description: '',
  entryCostPoints: '0',
  maxEntriesPerMember: '1',
  closesAt: '',
  prizes: [{ nameFa: '', points: '' }],
});

export function RafflesPage(props: { role: Role }) {
  const { t, lang } = useI18n();
  const raffles = useApi<{ items: Raffle[] }>('/v1/raffles');
  const canEdit = canWriteProgramme(props.role);
  const [draft, setDraft] = useState<Draft | null>(null);
  const save = useSave();
  const draw = useSave();
  const [publicSeed, setPublicSeed] = useState<Record<string, string>>({});
  const [verification, setVerification] = useState<Record<string, Verification>>({});

  if (raffles.error) return <LoadError error={raffles.error} role={props.role} />;
  const set = (patch: Partial<Draft>) => draft && setDraft({ ...draft, ...patch });

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!draft) return;
    const body = {
      name: draft.name,
      ...(draft.description.trim() ? { description: draft.description } : {}),
      entryCostPoints: num(draft.entryCostPoints),
      maxEntriesPerMember: num(draft.maxEntriesPerMember),
      closesAt: dayToIso(draft.closesAt, true),
      prizes: draft.prizes.map((p) => ({ nameFa: p.nameFa, points: num(p.points) ?? 0 })),
    };
    if (await save.run(() => api('POST', '/v1/raffles', body))) {
      setDraft(null);
      raffles.reload();
    }
  }

  const prizeFields = draft?.prizes.flatMap((_, i) => [`prizes.${i}.nameFa`, `prizes.${i}.points`]) ?? [];
  return (
    <div className="page">
      <ProgrammeTabs current="/programme/raffles" />
      <h1>{t('pgRafflesTitle')}</h1>
      <p className="muted">{t('pgRafflesHelp')}</p>
      {canEdit && !draft ? (
        <button
          type="button"
          onClick={() => {
            save.reset();
            setDraft(emptyDraft());
          }}
        >
          {t('pgNewRaffle')}
        </button>
      ) : null}
      {draft ? (
        <Card title={t('pgNewRaffle')} testId="raffle-form">
          <form className="form-grid" onSubmit={submit} noValidate>
            <Field name="name" label={t('name')} error={save.fe('name')}>
              <input name="name" value={draft.name} onChange={(e) => set({ name: e.target.value })} />
            </Field>
            <Field name="entryCostPoints" label={t('pgEntryCost')} error={save.fe('entryCostPoints')}>
              <input
                name="entryCostPoints"
                dir="ltr"
                value={draft.entryCostPoints}
                onChange={(e) => set({ entryCostPoints: e.target.value })}
              />
            </Field>
            <Field
              name="maxEntriesPerMember"
              label={t('pgMaxEntries')}
              error={save.fe('maxEntriesPerMember')}
            >
              <input
                name="maxEntriesPerMember"
                dir="ltr"
                value={draft.maxEntriesPerMember}
                onChange={(e) => set({ maxEntriesPerMember: e.target.value })}
              />
            </Field>
            <Field name="closesAt" label={t('pgClosesAt')} error={save.fe('closesAt')}>
              <DateInput name="closesAt" value={draft.closesAt} onChange={(v) => set({ closesAt: v })} />
            </Field>
            <Field name="description" label={t('pgDescription')} error={save.fe('description')}>
              <textarea
                name="description"
                rows={2}
                value={draft.description}
                onChange={(e) => set({ description: e.target.value })}
              />
            </Field>
            <fieldset className="pg-wide">
              <legend>{t('pgPrizes')}</legend>
              {draft.prizes.map((p, i) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: prizes are ranked by position.
                <div className="inline-form" key={i}>
                  <Field
                    name={`prizes.${i}.nameFa`}
                    label={t('pgPrizeN', { n: fmtNumber(i + 1, lang) })}
                    error={save.fe(`prizes.${i}.nameFa`)}
                  >
                    <input
                      name={`prizes.${i}.nameFa`}
                      value={p.nameFa}
                      onChange={(e) =>
                        set({
                          prizes: draft.prizes.map((x, k) =>
                            k === i ? { ...x, nameFa: e.target.value } : x,
                          ),
                        })
                      }
                    />
                  </Field>
                  <Field
                    name={`prizes.${i}.points`}
                    label={t('pgPrizePoints')}
                    error={save.fe(`prizes.${i}.points`)}
                  >
                    <input
                      name={`prizes.${i}.points`}
                      dir="ltr"
                      placeholder="0"
                      value={p.points}
                      onChange={(e) =>
                        set({
                          prizes: draft.prizes.map((x, k) =>
                            k === i ? { ...x, points: e.target.value } : x,
                          ),
                        })
                      }
                    />
                  </Field>
                  {draft.prizes.length > 1 ? (
                    <button
                      type="button"
                      className="secondary danger"
                      onClick={() => set({ prizes: draft.prizes.filter((_, k) => k !== i) })}
                    >
                      {t('delete')}
                    </button>
                  ) : null}
                </div>
              ))}
              <button
                type="button"
                className="secondary"
                onClick={() => set({ prizes: [...draft.prizes, { nameFa: '', points: '' }] })}
              >
                {t('pgAddPrize')}
              </button>
            </fieldset>
            <FormError
              error={save.error}
              fields={[
                'name',
                'description',
                'entryCostPoints',
                'maxEntriesPerMember',
                'closesAt',
                ...prizeFields,
              ]}
            />
            <div className="actions">
              <button type="submit" disabled={save.busy}>
                {t('create')}
              </button>
              <button type="button" className="secondary" onClick={() => setDraft(null)}>
                {t('cancel')}
              </button>
            </div>
          </form>
        </Card>
      ) : null}
      <FormError error={draw.error} fields={['publicSeed']} />
      {!raffles.data ? (
        <Loading />
      ) : raffles.data.items.length === 0 ? (
        <Card>
          <p className="muted">{t('pgNoRaffles')}</p>
        </Card>
      ) : (
        <div className="grid2" data-testid="raffles-list">
          {raffles.data.items.map((r) => {
            const v = verification[r.id];
            return (
              <Card key={r.id} title={r.name} testId={`raffle-${r.id}`}>
                <p>
                  <span className={`pg-status pg-status-${r.status === 'open' ? 'active' : 'ended'}`}>
                    {r.status === 'open' ? t('pgRaffleOpen') : t('pgRaffleDrawn')}
                  </span>
                </p>
                {r.description ? <p className="muted">{r.description}</p> : null}
                <dl>
                  <dt>{t('pgEntryCost')}</dt>
                  <dd>
                    {r.entryCostPoints === 0
                      ? t('pgFreeByQualifying')
                      : t('pgPointsN', { n: fmtNumber(r.entryCostPoints, lang) })}
                  </dd>
                  <dt>{t('pgEntries')}</dt>
                  <dd>{fmtNumber(r.entries, lang)}</dd>
                  <dt>{t('pgClosesAt')}</dt>
                  <dd>{fmtDate(r.closesAt, lang)}</dd>
                  <dt>{t('pgPrizes')}</dt>
                  <dd>
                    {r.prizes
                      .map((p) =>
                        p.points
                          ? `${p.nameFa} (${t('pgPointsN', { n: fmtNumber(p.points, lang) })})`
                          : p.nameFa,
                      )
                      .join('، ')}
                  </dd>
                  <dt>{t('pgCommitment')}</dt>
                  <dd dir="ltr">
                    <code>{r.seedCommitment}</code>
                  </dd>
                  {r.drawnAt ? (
                    <>
                      <dt>{t('pgDrawnAt')}</dt>
                      <dd>{fmtDateTime(r.drawnAt, lang)}</dd>
                      <dt>{t('pgSeedRevealed')}</dt>
                      <dd dir="ltr">
                        <code>
                          {r.seed}
                          {r.publicSeed ? ` : ${r.publicSeed}` : ''}
                        </code>
                      </dd>
                    </>
                  ) : null}
                </dl>
                {r.winners.length ? (
                  <table data-testid="raffle-winners">
                    <thead>
                      <tr>
                        <th>{t('pgRank')}</th>
                        <th>{t('pgWinner')}</th>
                        <th>{t('pgPrize')}</th>
                      </tr>
                    </thead>
                    <tbody>
                      {r.winners.map((w) => (
                        <tr key={w.rank}>
                          <td>{fmtNumber(w.rank, lang)}</td>
                          <td>
                            <a
                              href={`/admin/members/${enc(w.memberExternalId)}`}
                              onClick={(e) => {
                                e.preventDefault();
                                navigate(`/members/${enc(w.memberExternalId)}`);
                              }}
                            >
                              {w.memberExternalId}
                            </a>
                          </td>
                          <td>{w.prize}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                ) : null}
                {r.status === 'open' && canEdit ? (
                  <form
                    className="inline-form"
                    noValidate
                    onSubmit={async (e) => {
                      e.preventDefault();
                      const seed = (publicSeed[r.id] ?? '').trim();
                      if (
                        await draw.run(() =>
                          api('POST', `/v1/raffles/${enc(r.id)}/draw`, seed ? { publicSeed: seed } : {}),
                        )
                      )
                        raffles.reload();
                    }}
                  >
                    <Field name="publicSeed" label={t('pgPublicSeed')}>
                      <input
                        name="publicSeed"
                        dir="ltr"
                        value={publicSeed[r.id] ?? ''}
                        onChange={(e) => setPublicSeed({ ...publicSeed, [r.id]: e.target.value })}
                      />
                    </Field>
                    <button type="submit">{t('pgDraw')}</button>
                  </form>
                ) : null}
                {r.status === 'drawn' ? (
                  v ? (
                    <p className={v.verified ? 'ok' : 'error'} data-testid="raffle-verified">
                      {v.verified ? t('pgVerified') : t('pgNotVerified')}{' '}
                      <small className="muted">
                        {t('pgVerifiedOver', { n: fmtNumber(v.entryIds.length, lang) })}
                      </small>
                    </p>
                  ) : (
                    <button
                      type="button"
                      className="secondary"
                      onClick={() =>
                        draw.run(async () => {
                          const got = await api<Verification>('GET', `/v1/raffles/${enc(r.id)}/verification`);
                          setVerification({ ...verification, [r.id]: got });
                        })
                      }
                    >
                      {t('pgVerify')}
                    </button>
                  )
                ) : null}
              </Card>
            );
          })}
        </div>
      )}
    </div>
  );
}
