/** The API a request came in through: what the ledger and the audit trail record, and what shapes its answer. */
export type DoorApi = 'chat' | 'embeddings' | 'messages' | 'responses';
