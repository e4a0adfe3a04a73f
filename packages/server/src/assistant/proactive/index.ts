export {
  collectDateSources,
  type DateOccurrence,
  type DateSource,
  dateDedupeKey,
  dayKey,
  formatDay,
  nextOccurrence,
  occurrencesWithin,
  parseDayKey,
} from './dates.ts';
export { buildDigest, type Digest, type DigestDeps } from './digest.ts';
export {
  ASSISTANT_STAGE,
  createProactiveEngine,
  FACTS_STAGE,
  type ObserveResult,
  type ProactiveEngine,
  type ProactiveEngineDeps,
  type ProactiveUser,
  type ProgressDetector,
  type TickResult,
} from './engine.ts';
export {
  type FollowUp,
  type FollowUpContext,
  findFollowUps,
  followUpDue,
  followUpKey,
  followUpTitle,
} from './follow-ups.ts';
export {
  type DeliveryDecision,
  deliveryDecision,
  parseLocalTime,
  quietHoursEnd,
  type RecentPushes,
} from './policy.ts';
export {
  type Candidate,
  evaluateObservation,
  evaluateTime,
  type ItemDraft,
  indexPeople,
  type ObservationContext,
  type ObservationOutcome,
  type PeopleIndex,
  PLACE_LEXICON,
  type ProgressFinding,
  peopleIn,
  placesIn,
  spokenByOther,
  spokenByWearer,
  type TimeContext,
  type TimeOutcome,
} from './triggers.ts';
