import { fmtNumber, fmtToman } from '../format.js';
import { useApi } from '../hooks.js';
import { type MessageKey, useI18n } from '../i18n.js';
import { Card, LoadError, Loading, type Role } from '../ui.js';

interface TierList {
  measure: 'spend' | 'points' | 'orders';
  tiers: Array<{
    key: string;
    rank: number;
    name: { fa: string; en: string };
    threshold: number;
    benefits: {
      earningMultiplier: number;
      warrantyExtensionMonths: number;
      perks: Array<{ fa: string; en: string }>;
    };
  }>;
}

export function TiersPage(props: { role: Role }) {
  const { t, lang } = useI18n();
  const { data, error } = useApi<TierList>('/v1/tiers');
  if (error) return <LoadError error={error} role={props.role} />;
  if (!data) return <Loading />;
  return (
    <div className="page">
      <h1>{t('tiersTitle')}</h1>
      <p className="muted">{t(`measure_${data.measure}` as MessageKey)}</p>
      <Card>
        <table data-testid="tiers-table">
          <thead>
            <tr>
              <th>{t('name')}</th>
              <th>{t('threshold')}</th>
              <th>{t('benefits')}</th>
            </tr>
          </thead>
          <tbody>
            {data.tiers.map((tier) => (
              <tr key={tier.key}>
                <td>{tier.name[lang]}</td>
                <td>
                  {data.measure === 'spend'
                    ? fmtToman(tier.threshold, lang)
                    : fmtNumber(tier.threshold, lang)}
                </td>
                <td>
                  {[
                    tier.benefits.earningMultiplier !== 1
                      ? t('earningMultiplier', { x: fmtNumber(tier.benefits.earningMultiplier, lang, 2) })
                      : null,
                    tier.benefits.warrantyExtensionMonths
                      ? t('warranty', { months: fmtNumber(tier.benefits.warrantyExtensionMonths, lang) })
                      : null,
                    ...tier.benefits.perks.map((p) => p[lang]),
                  ]
                    .filter(Boolean)
                    .join(' · ') || '—'}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </Card>
    </div>
  );
}
