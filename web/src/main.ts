import { connect } from '@app/client';
import { BrokerToken, devSignIn, userApi } from './api';
import { ChatApp } from './chat-app';
import { $, h } from './dom';
import { readable } from './errors';
import { Session } from './session';

const root = $(document, '#app');

/** The development sign-in (DEV_SIGN_IN=true on the engine): any user id, registered if new. */
function signInScreen(message = ''): void {
  const form = h(
    'form',
    { class: 'sign-in', 'data-testid': 'sign-in' },
    h('h1', {}, 'messaging-engine'),
    h('p', {}, 'Development sign-in: type any user id. An app of your own signs its users in itself and gets their tokens from its backend (docs/web-client.md).'),
    h('input', { name: 'userId', placeholder: 'user id, e.g. alice', autocomplete: 'username', required: true, autofocus: true }),
    h('button', {}, 'Sign in'),
    h('p', { class: 'error', 'data-testid': 'sign-in-error' }, message),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const userId = String(new FormData(form).get('userId')).trim();
    devSignIn(userId).then(
      (token) => start(userId, token),
      (err) => signInScreen(`could not sign in as "${userId}": ${readable(err)}`),
    );
  });
  root.replaceChildren(form);
}

async function start(userId: string, token: BrokerToken): Promise<void> {
  let app: { close(): Promise<void> } | undefined;
  const signOut = (message?: string) => {
    session.end();
    void app?.close();
    signInScreen(message);
  };
  const api = userApi(() => session.token());
  const session = new Session(userId, token, (err) => signOut(`signed out: ${readable(err)}`));
  const url = session.webSocketUrl;
  if (!url) return signOut('the engine gives no MQTT over WebSocket URL this page can use: set MQTT_WS_URL or MQTT_WSS_URL (docs/web-client.md)');
  root.replaceChildren(h('p', { class: 'connecting' }, `connecting as ${userId}…`));
  try {
    // The SDK asks for a token before every reconnect: the session's, renewed when due.
    const chat = await connect({ url, userId, token: session.rawToken, getToken: () => session.token(), pathPrefix: session.pathPrefix });
    app = chat;
    new ChatApp(root, chat, api, () => signOut());
  } catch (err) {
    signOut(`could not connect to the broker: ${readable(err)}`);
  }
}

const saved = Session.stored();
if (saved) void start(saved.userId, saved.token);
else signInScreen();
