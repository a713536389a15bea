import type { Features } from '../App.js';
import { useI18n } from '../i18n.js';
import { Loading, NotAvailable, type Role } from '../ui.js';
import { CampaignsPage } from './Campaigns.js';
import { CampaignDetailPage } from './CampaignsDetail.js';
import { CouponsPage } from './Coupons.js';
import { EligibilityPage } from './ProgrammeEligibility.js';
import { RafflesPage } from './Raffles.js';
import { ReferralsPage } from './Referrals.js';
import { RewardsPage } from './Rewards.js';

/**
 * The programme pages beyond rules and tiers, by address. Campaigns and raffles need the campaigns
 * module; rewards, coupons, referrals and eligibility the rewards module: on a server without it the
 * page says so instead of failing.
 */
export function ProgrammePage(props: { path: string; role: Role; features: Features | null }) {
  const { t } = useI18n();
  const { path, role, features } = props;
  if (!features) return <Loading />;
  const campaignsSide = path.startsWith('/programme/campaigns') || path.startsWith('/programme/raffles');
  if (!(campaignsSide ? features.campaigns : features.rewards))
    return <NotAvailable title={t('navProgramme')} />;
  if (path === '/programme/rewards') return <RewardsPage role={role} />;
  if (path === '/programme/coupons') return <CouponsPage role={role} />;
  if (path === '/programme/campaigns') return <CampaignsPage role={role} />;
  if (path.startsWith('/programme/campaigns/'))
    return (
      <CampaignDetailPage id={decodeURIComponent(path.slice('/programme/campaigns/'.length))} role={role} />
    );
  if (path === '/programme/raffles') return <RafflesPage role={role} />;
  if (path === '/programme/referrals') return <ReferralsPage role={role} />;
  if (path === '/programme/eligibility') return <EligibilityPage role={role} />;
  return <NotAvailable title={path} />;
}
