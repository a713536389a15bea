/**
 * The dashboard's analytics strings, kept apart from web/src/i18n.tsx so that the pages of one area can
 * grow without touching another's; i18n.tsx merges them, and a key missing from `en` is a type error.
 */
export const fa = {} as const;

export const en: Record<keyof typeof fa, string> = {};
