/**
 * The dashboard's security strings (audit log), kept apart from web/src/i18n.tsx so that the pages of
 * one area can grow without touching another's; i18n.tsx merges them, and a key missing from `en` is a
 * type error. Every key starts with `sec`.
 */
export const fa = {
  secNavAudit: 'گزارش رویدادها',
  secAuditTitle: 'گزارش رویدادهای کارکنان و تنظیمات',
  secAuditIntro:
    'هر تغییری که از داشبورد یا با کلید API در تنظیمات باشگاه داده شده، با نام انجام‌دهنده، زمان و وضعیت پیش و پس از آن.',
  secFilterActor: 'انجام‌دهنده (ایمیل یا شناسه)',
  secFilterResource: 'منبع (مثلاً rules یا members:C-1001)',
  secApplyFilters: 'نمایش',
  secClearFilters: 'پاک کردن',
  secColWhen: 'زمان',
  secColWho: 'انجام‌دهنده',
  secColWhat: 'کار',
  secColResource: 'منبع',
  secColStatus: 'نتیجه',
  secActorStaff: 'کارمند',
  secActorKey: 'کلید API',
  secStatusUnknown: 'نامعلوم (فرایند قطع شد)',
  secBefore: 'پیش از تغییر',
  secAfter: 'پس از تغییر',
  secNothing: '—',
  secShowChange: 'نمایش تغییر',
  secHideChange: 'بستن',
  secRedacted: 'اطلاعات شخصی این رویداد پس از حذف عضو پاک شد',
  secEmpty: 'رویدادی با این فیلترها نیست.',
  secMore: 'رویدادهای قدیمی‌تر',
  secChangedFields: '{n} فیلد تغییر کرد',
};

export const en: Record<keyof typeof fa, string> = {
  secNavAudit: 'Audit log',
  secAuditTitle: 'Audit log of staff actions and settings',
  secAuditIntro:
    'Every change made from the dashboard, or to the club’s configuration with an API key: who, when, and the resource before and after.',
  secFilterActor: 'Actor (email or id)',
  secFilterResource: 'Resource (e.g. rules or members:C-1001)',
  secApplyFilters: 'Show',
  secClearFilters: 'Clear',
  secColWhen: 'When',
  secColWho: 'Who',
  secColWhat: 'Action',
  secColResource: 'Resource',
  secColStatus: 'Result',
  secActorStaff: 'Staff',
  secActorKey: 'API key',
  secStatusUnknown: 'Unknown (the process stopped)',
  secBefore: 'Before',
  secAfter: 'After',
  secNothing: '—',
  secShowChange: 'Show change',
  secHideChange: 'Hide',
  secRedacted: 'Personal data removed from this entry when the member was erased',
  secEmpty: 'No entries match these filters.',
  secMore: 'Older entries',
  secChangedFields: '{n} fields changed',
};
