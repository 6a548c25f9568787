import { Module } from '@nestjs/common';
import { derivedModel } from '../database/derived-model';
import { ReadState, ReadStateSchema } from './read-state.schema';
import { ReadStateRepository } from './read-state.repository';

/** The stored read positions alone, for those who only read them (history, conversation list): no dependency of theirs. */
@Module({
  providers: [derivedModel(ReadState.name, ReadStateSchema), ReadStateRepository],
  exports: [ReadStateRepository],
})
export class ReadStatesModule {}
