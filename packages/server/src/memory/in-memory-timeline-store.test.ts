import { createInMemoryTimelineStore } from './in-memory-timeline-store.ts';
import { describeTimelineStoreContract } from './timeline-store.contract.ts';

describeTimelineStoreContract('in-memory fake', async () => createInMemoryTimelineStore());
