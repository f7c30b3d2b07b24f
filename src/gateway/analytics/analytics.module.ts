import { Module } from '@nestjs/common';
import { UsageProjection } from '@switchboard/domain';
import { AnalyticsPublishing } from './analytics-publishing';
import { AsyncApiController } from './asyncapi.controller';
import { UsageController } from './usage.controller';

export { AnalyticsPublishing };

/** Usage (`/admin/usage`, always) and analytics over NATS JetStream (with `NATS_URL`): see `AnalyticsPublishing`. */
@Module({
  controllers: [UsageController, AsyncApiController],
  providers: [AnalyticsPublishing, { provide: UsageProjection, useFactory: () => new UsageProjection() }],
})
export class AnalyticsModule {}
