/** Calendar files: reading .ics imports into event occurrences, and writing Familiar's dates out as .ics. */
export {
  buildIcs,
  type CalendarEntry,
  type CalendarEvent,
  calendarEntriesFrom,
  FAMILIAR_PRODUCT_ID,
  MAX_ICS_BYTES,
  parseIcs,
} from './ics.ts';
