import { Module, type DynamicModule } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { KeeperModule } from '../keeper/keeper.module';
import { AdminModule } from './admin/admin.module';
import { AnalyticsModule } from './analytics/analytics.module';
import { CoreModule, type CoreOptions } from './core/core.module';
import { HealthModule } from './health/health.module';
import { LimitsModule } from './limits/limits.module';
import { MetricsModule } from './metrics/metrics.module';
import { ReactModule } from './react/react.module';
import { V1Module } from './v1/v1.module';

/** The whole gateway; the Keeper runs inside it unless `keeper.enabled` is false (then run it alone). */
@Module({})
export class AppModule {
  static forRoot(opts: CoreOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [
        CqrsModule.forRoot(),
        CoreModule.forRoot(opts),
        MetricsModule,
        HealthModule.forRoot(),
        LimitsModule,
        AdminModule,
        V1Module,
        ReactModule,
        AnalyticsModule,
        ...(opts.config.keeper.enabled ? [KeeperModule] : []),
      ],
    };
  }
}
