import { formatMoment } from '../../app/format.ts';
import { useDashboard } from './dashboard-context.ts';
import { LoadStates } from './load-states.tsx';
import { useLoad } from './use-load.ts';

/** People: who memory knows, how they relate to the person, and when they were last seen, heard or mentioned. */
export function PeopleView() {
  const { api } = useDashboard();
  const [people, reload] = useLoad(() => api.people.list(), []);
  return (
    <>
      <h1>People</h1>
      <LoadStates
        state={people}
        retry={reload}
        isEmpty={(data) => data.people.length === 0}
        empty={
          <>
            Nobody yet. Add the people you know with <code>familiar people add "Sam Rivera"</code> (aliases
            with <code>--alias</code>); then what is said about them, when you last saw or heard them and
            their dates appear here.
          </>
        }
      >
        {(data) => (
          <ul class="plain grid">
            {data.people.map((person) => {
              const last = [
                ['seen', person.lastSeenAt],
                ['heard', person.lastHeardAt],
                ['mentioned', person.lastMentionedAt],
              ].filter((pair): pair is [string, string] => pair[1] !== null);
              return (
                <li key={person.id} class="card">
                  <h2 class="h3">{person.name}</h2>
                  {person.relationship && <p>{person.relationship}</p>}
                  {person.aliases.length > 0 && <p class="small muted">Also: {person.aliases.join(', ')}</p>}
                  {person.optedOut && <p class="small">Opted out: not recognised, not remembered.</p>}
                  {last.map(([how, at]) => (
                    <p key={how} class="small">
                      Last {how} <time dateTime={at}>{formatMoment(at)}</time>
                    </p>
                  ))}
                  {person.importantDates.map((date) => (
                    <p key={date.label} class="small">
                      {date.label}: {date.date}
                    </p>
                  ))}
                </li>
              );
            })}
          </ul>
        )}
      </LoadStates>
    </>
  );
}
