import { freeFormProblem } from '@app/protocol';
import { Satisfies } from './satisfies.decorator';

/**
 * A free-form JSON field (a user's `metadata`, a message's `attributes`): an object that JSON text
 * carries back exactly (freeFormProblem: depth, finite numbers, well-formed text, key length).
 * Any key is allowed (`$gt`, `a.b`, NUL): the engine stores such fields as JSON text. (The keys
 * the ValidationPipe would drop are refused before, with the body: common/http/json-body.ts.)
 */
export function IsFreeForm(): PropertyDecorator {
  return Satisfies(freeFormProblem, 'isFreeForm');
}
