export * from './call-redaction.ts';
export {
  type PersonalDataSpan,
  PLACEHOLDER_LABELS,
  REDACTION_CATEGORIES,
  type RedactionCategory,
} from './categories.ts';
export * from './find-personal-data.ts';
export * from './people-terms.ts';
export * from './redaction-middleware.ts';
export * from './redaction-vault.ts';
