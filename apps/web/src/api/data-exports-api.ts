import { DataExport } from '@invigil/contracts';
import { api } from './client';

const enc = encodeURIComponent;

/** Data exports (subject access): ask, follow, download. */
export const dataExportsApi = {
  /** The signed-in student's exports, newest first. */
  mine: (signal?: AbortSignal) => api('/api/me/exports', { schema: DataExport.array(), signal }),
  /** Ask for a new export of my data (the one under way, if any, comes back instead). */
  requestMine: () => api('/api/me/exports', { schema: DataExport, method: 'POST' }),
  /** An admin asks for a student's export on their behalf. */
  requestFor: (userId: string) =>
    api(`/api/users/${enc(userId)}/exports`, { schema: DataExport, method: 'POST' }),
  get: (id: string, signal?: AbortSignal) =>
    api(`/api/exports/${enc(id)}`, { schema: DataExport, signal }),
  /** Where the browser downloads a ready export (a zip attachment). */
  downloadUrl: (id: string) => `/api/exports/${enc(id)}/download`,
};
