import { render } from 'preact';
import { App } from './app/app.tsx';
import './styles.css';

const root = document.getElementById('app');
if (root) render(<App />, root);

// The service worker keeps the app shell for offline starts; it is left out of `vite dev` so edits show at once.
if (import.meta.env.PROD && 'serviceWorker' in navigator) {
  window.addEventListener('load', () => {
    navigator.serviceWorker.register('/sw.js').catch((error: unknown) => {
      console.warn('the service worker could not be registered', error);
    });
  });
}
