import { Module } from '@nestjs/common';
import { AdminController } from './admin.controller';
import { QueryHandlers } from './admin.queries';
import { ClientsController } from './clients.controller';

@Module({ controllers: [AdminController, ClientsController], providers: [...QueryHandlers] })
export class AdminModule {}
