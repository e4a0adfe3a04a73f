import { loadPairedDevice } from '../app/device-token-store.ts';
import { Link } from '../app/router.tsx';

/** The start page: become the glasses (device mode) or open the dashboard. */
export function HomeView() {
  const paired = loadPairedDevice();
  return (
    <main class="page narrow" id="main">
      <h1>Familiar</h1>
      <p class="lead">Your own assistant that remembers what you see and hear, on hardware you control.</p>
      <div class="cards">
        <section class="card" aria-labelledby="home-device">
          <h2 id="home-device">Be the glasses</h2>
          {paired ? (
            <p>
              This browser is paired as <strong>{paired.deviceName}</strong> for {paired.userName}.
            </p>
          ) : (
            <p>
              Stream this phone's camera and microphone to Familiar. Pair it first: on the server run{' '}
              <code>familiar device add phone</code> and open the link it prints (or scan its QR code).
            </p>
          )}
          <Link class="button" href="/device">
            {paired ? 'Open device mode' : 'Set up device mode'}
          </Link>
        </section>
        <section class="card" aria-labelledby="home-dashboard">
          <h2 id="home-dashboard">Your dashboard</h2>
          <p>Today's moments, questions with their sources, goals, inbox and the audit log.</p>
          <Link class="button" href="/today">
            Open the dashboard
          </Link>
        </section>
      </div>
    </main>
  );
}
