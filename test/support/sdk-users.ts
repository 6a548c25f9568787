import type { ChatClient } from '@app/client';
import { AdminApi } from './admin-api';
import { uid } from './broker';

/** Registers a user under a unique id made from `name`; returns the id. */
export async function registerUser(api: AdminApi, name: string): Promise<string> {
  const id = uid(name);
  const created = await api.put(`users/${id}`, { display_name: name });
  if (created.status !== 201) throw new Error(`could not register ${id}: ${created.status}`);
  return id;
}

/** Closes the client's connection from the engine's side (the admin API), as a lost network would: the SDK reconnects by itself. */
export async function dropConnection(api: AdminApi, client: ChatClient): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const listed = await api.get(`users/${client.userId}/connections`);
    if (listed.status !== 200) throw new Error(`could not list the connections of ${client.userId}: ${listed.status}`);
    const own = (listed.body as { connections: Array<{ id: string; client_id: string }> }).connections.find((c) => c.client_id === client.clientId);
    if (own) {
      const closed = await api.delete(`users/${client.userId}/connections/${encodeURIComponent(own.id)}`);
      if (closed.status >= 300) throw new Error(`could not close connection ${client.clientId}: ${closed.status}`);
      return;
    }
    if (Date.now() > deadline) throw new Error(`connection ${client.clientId} not listed by the admin API`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
