import { type Server, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { ERROR_STATUS, ErrorBody, ErrorCode } from '../errors';

/** What Node itself would answer to each parser error (with an empty body). */
function refusal(err: NodeJS.ErrnoException): { code: ErrorCode; message: string } {
  switch (err.code) {
    case 'HPE_HEADER_OVERFLOW':
      return { code: ErrorCode.HEADERS_TOO_LARGE, message: 'request line or headers too large (a far too long id or query?)' };
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return { code: ErrorCode.PAYLOAD_TOO_LARGE, message: 'chunk extensions too large' };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { code: ErrorCode.REQUEST_TIMEOUT, message: 'request not received in time' };
    default:
      return { code: ErrorCode.VALIDATION_FAILED, message: 'malformed HTTP request' };
  }
}

/**
 * Requests Node's HTTP parser refuses (a request line or headers past its 16 KiB, a malformed
 * request) never reach the app: Node answers them itself, with an empty body. This answers them
 * with the API's error body instead, so every refused request has the documented shape.
 */
export function answerClientErrors(server: Server): void {
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    // Nothing can be written to a reset connection, nor once a response has begun.
    if (err.code === 'ECONNRESET' || !socket.writable || (socket as Duplex & { _httpMessage?: unknown })._httpMessage) {
      socket.destroy();
      return;
    }
    const { code, message } = refusal(err);
    const status = ERROR_STATUS[code];
    const body: ErrorBody = { statusCode: status, code, message };
    const json = JSON.stringify(body);
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json; charset=utf-8\r\n` +
        `content-length: ${Buffer.byteLength(json)}\r\nconnection: close\r\n\r\n${json}`,
    );
  });
}
