import { Injectable } from '@nestjs/common';
import type { RequestObserver } from '../routing/request-record';

/**
 * The list of `RequestObserver`s the request path tells about every finished /v1 request. A
 * module that wants the records injects this (global, from `V1Module`) and registers once at
 * start-up; the router reads the same array, so no lookup happens per request.
 */
@Injectable()
export class RequestObservers {
  readonly list: RequestObserver[] = [];

  register(observer: RequestObserver): void {
    this.list.push(observer);
  }
}
