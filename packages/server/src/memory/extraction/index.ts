export { type ExtractedFact, ExtractedFactSchema, type FactKind, FactKindSchema } from './extracted-fact.ts';
export {
  type ExpectedFact,
  ExpectedFactSchema,
  type ExtractionEvaluation,
  evaluateExtractor,
  type FactFixtureItem,
  FactFixtureItemSchema,
  FactFixtureSchema,
  factMatches,
  type Miss,
  normaliseObject,
  parseFactFixture,
  type Scores,
  type Spurious,
} from './fact-evaluation.ts';
export {
  createRuleFactExtractor,
  type ExtractionContext,
  ExtractionContextSchema,
  type FactExtractor,
  type RuleFactExtractor,
  type RuleFactExtractorOptions,
} from './fact-extractor.ts';
export { type FoundDate, findDates, formatLocalDate } from './find-dates.ts';
export {
  createModelFactExtractor,
  defuseDelimiters,
  type ModelExtractionContext,
  ModelFactAnswerSchema,
  type ModelFactExtractor,
  type ModelFactExtractorStats,
  type StructuredModel,
} from './model-fact-extractor.ts';
