import type { Features } from '../App.js';
import { useI18n } from '../i18n.js';
import { NotAvailable, type Role } from '../ui.js';
import { VocComplaintPage } from './VocComplaint.js';
import { VocQueuePage } from './VocQueue.js';
import { VocRootCausesPage } from './VocRootCauses.js';
import { VocSurveysPage } from './VocSurveys.js';

/**
 * Voice of the customer: `/voc` the complaint queue, `/voc/complaints/<id>` one complaint,
 * `/voc/surveys` score trends, `/voc/root-causes` the root-cause reports.
 */
export function VocPage(props: { path: string; role: Role; me: string; features: Features | null }) {
  const { t } = useI18n();
  const f = props.features;
  if (f && !f.complaints && !f.surveys) return <NotAvailable title={t('navVoc')} />;
  const rest = props.path.slice('/voc'.length);
  if (rest.startsWith('/complaints/'))
    return (
      <VocComplaintPage
        id={decodeURIComponent(rest.slice('/complaints/'.length))}
        role={props.role}
        me={props.me}
      />
    );
  if (rest === '/surveys') return <VocSurveysPage role={props.role} />;
  if (rest === '/root-causes') return <VocRootCausesPage role={props.role} />;
  return <VocQueuePage role={props.role} me={props.me} />;
}
