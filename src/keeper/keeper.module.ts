import { Module } from '@nestjs/common';
import { Keeper } from './keeper.service';

/** Runs inside the gateway (`keeper.enabled`) or alone (`npm run start:keeper`); needs the CoreModule. */
@Module({ providers: [Keeper] })
export class KeeperModule {}
