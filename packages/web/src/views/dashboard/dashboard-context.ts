import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { FamiliarApi, Session } from '../../api/index.ts';

/** What every dashboard view needs: the API as the logged-in person, and their session. */
export interface Dashboard {
  api: FamiliarApi;
  session: Session;
}

export const DashboardContext = createContext<Dashboard | null>(null);

/** The dashboard's API and session; only inside the dashboard shell. */
export function useDashboard(): Dashboard {
  const value = useContext(DashboardContext);
  if (!value) throw new Error('useDashboard is used outside the dashboard shell');
  return value;
}
