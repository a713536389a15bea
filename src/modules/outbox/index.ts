export { enqueueEvents, listEvents, type OutboxEvent, type OutboxRow } from './outbox.repo.js';
