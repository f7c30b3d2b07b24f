import { Module } from '@nestjs/common';
import { AdminController } from './admin.controller';
import { QueryHandlers } from './admin.queries';

@Module({ controllers: [AdminController], providers: [...QueryHandlers] })
export class AdminModule {}
