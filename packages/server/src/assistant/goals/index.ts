export {
  ACTIVITY_WORDS,
  type ActivityForm,
  type ActivityWord,
  aboutVariants,
  activityFamily,
  familyMembers,
  normaliseUnit,
  OCCURRENCE_UNITS,
  type UnitReading,
  unitFactor,
} from './activity-lexicon.ts';
export {
  checkGoalContext,
  draftPlan,
  effortNoun,
  endOfLocalDay,
  formatAmount,
  formatQuantity,
  type GoalContext,
  type GoalSpec,
  GoalSpecSchema,
  GoalTargetSchema,
  parseGoal,
} from './goal-spec.ts';
export { createSqliteGoalStore, type PrunableGoalStore } from './goal-store.ts';
export { createInMemoryGoalStore } from './in-memory-goal-store.ts';
export {
  createModelGoalParser,
  createModelProgressDetector,
  type DetectedSignal,
  type ModelGoalAnswer,
  ModelGoalAnswerSchema,
  type ModelProgressAnswer,
  ModelProgressAnswerSchema,
  type ModelProgressDetectorStats,
  madeByModel,
  type ProgressDetectionContext,
} from './model-goals.ts';
export { goalProgress, periodAround } from './pace.ts';
export { createPostgresGoalStore } from './postgres-goal-store.ts';
export { detectProgress, matchGoal, type ProgressContext, type ProgressSignal } from './progress-rules.ts';
