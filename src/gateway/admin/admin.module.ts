import { Module } from '@nestjs/common';
import { AdminController } from './admin.controller';
import { AdminReads } from './admin.reads';
import { ClientsController } from './clients.controller';
import { ConfigController } from './config.controller';
import { ProviderModels } from './provider-models';

@Module({ controllers: [AdminController, ClientsController, ConfigController], providers: [AdminReads, ProviderModels] })
export class AdminModule {}
