import { Module } from '@nestjs/common';
import { AdminController } from './admin.controller';
import { QueryHandlers } from './admin.queries';
import { ClientsController } from './clients.controller';
import { ConfigController } from './config.controller';
import { ProviderModels } from './provider-models';

@Module({ controllers: [AdminController, ClientsController, ConfigController], providers: [...QueryHandlers, ProviderModels] })
export class AdminModule {}
