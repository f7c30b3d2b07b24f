import * as grpc from '@grpc/grpc-js';
import { randomUUID } from 'node:crypto';
import { ServerFeaturesService } from '@eventstore/db-client/generated/serverfeatures_grpc_pb';
import { SupportedMethod, SupportedMethods } from '@eventstore/db-client/generated/serverfeatures_pb';
import { Empty, StreamIdentifier, UUID } from '@eventstore/db-client/generated/shared_pb';
import { StreamsService } from '@eventstore/db-client/generated/streams_grpc_pb';
import { AppendReq, AppendResp, ReadReq, ReadResp } from '@eventstore/db-client/generated/streams_pb';

/**
 * A STAND-IN for an EventStoreDB/KurrentDB server, for tests only (never shipped): EventStoreDB
 * cannot be installed on this project's machines, so the ESDB adapter's contract suite runs
 * against this on every run, over real gRPC, with the official client's own generated service
 * definitions and messages. It answers exactly what the adapter (through the client) asks:
 *
 * - `ServerFeatures.GetSupportedMethods`, the client's first call. It lists only the methods below,
 *   so the client appends with `Streams.Append` (as with a server without `BatchAppend`).
 * - `Streams.Append` with an expected revision (any, no stream, stream exists, a revision); a
 *   wrong one is answered in the response body, `wrong_expected_version` with the current and
 *   expected revisions (the 20.6 fields too), not as a gRPC error: what a real server does.
 * - `Streams.Read` of a stream (forwards from a revision or backwards from the end; a stream with
 *   no events answers `stream_not_found`), of `$all` (forwards from a position, inclusive, or
 *   backwards from the end), and subscriptions to `$all` after a position (exclusive): a
 *   confirmation, the catch-up, `caught_up`, then live events, with stream/event-type filters.
 *
 * Positions are log offsets (commit = prepare), sparse like a real server's, never 1, 2, 3.
 * Metadata streams (`$$<stream>`, written by setStreamMetadata) are stored like any other stream.
 */
export class EsdbStandIn {
  private readonly server = new grpc.Server();
  private readonly log: StoredEvent[] = [];
  private readonly streams = new Map<string, StoredEvent[]>();
  private readonly live = new Set<LiveSubscription>();
  private nextPosition = 1024n;
  private port = 0;

  /** Starts on a free port of 127.0.0.1; resolves with a connection string for the adapter. */
  async start(): Promise<string> {
    this.server.addService(ServerFeaturesService, {
      getSupportedMethods: (_call: unknown, callback: grpc.sendUnaryData<SupportedMethods>) => callback(null, supportedMethods()),
    });
    this.server.addService(StreamsService, {
      append: (call: grpc.ServerReadableStream<AppendReq, AppendResp>, callback: grpc.sendUnaryData<AppendResp>) =>
        this.append(call, callback),
      read: (call: grpc.ServerWritableStream<ReadReq, ReadResp>) => this.read(call),
    });
    this.port = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, port) =>
        error ? reject(error) : resolve(port),
      ),
    );
    return this.url;
  }

  get url(): string {
    return `esdb://127.0.0.1:${this.port}?tls=false`;
  }

  async stop(): Promise<void> {
    for (const subscription of this.live) subscription.call.end();
    this.live.clear();
    this.server.forceShutdown();
  }

  private append(call: grpc.ServerReadableStream<AppendReq, AppendResp>, callback: grpc.sendUnaryData<AppendResp>): void {
    let options: AppendReq.Options | undefined;
    const proposed: AppendReq.ProposedMessage[] = [];
    call.on('data', (request: AppendReq) => {
      if (request.hasOptions()) options = request.getOptions();
      if (request.hasProposedMessage()) proposed.push(request.getProposedMessage()!);
    });
    call.on('error', () => undefined);
    call.on('end', () => {
      if (!options) return callback({ code: grpc.status.INVALID_ARGUMENT, details: 'append without options' });
      callback(null, this.commit(streamName(options.getStreamIdentifier()), options, proposed));
    });
  }

  private commit(stream: string, options: AppendReq.Options, proposed: AppendReq.ProposedMessage[]): AppendResp {
    const existing = this.streams.get(stream) ?? [];
    const current = existing.length - 1;
    const response = new AppendResp();
    if (!expectationHolds(options, current)) {
      response.setWrongExpectedVersion(wrongExpectedVersion(options, current));
      return response;
    }
    const created = String(BigInt(Date.now()) * 10_000n);
    const written = proposed.map((message, i): StoredEvent => {
      const data = Buffer.from(message.getData_asU8());
      const position = this.nextPosition;
      // Like a real log: the next record starts after this one's bytes.
      this.nextPosition += BigInt(128 + data.length);
      return {
        id: message.getId()?.getString() || randomUUID(),
        stream,
        revision: current + 1 + i,
        type: message.getMetadataMap().get('type') ?? '',
        contentType: message.getMetadataMap().get('content-type') ?? 'application/octet-stream',
        created,
        data,
        customMetadata: Buffer.from(message.getCustomMetadata_asU8()),
        position,
      };
    });
    this.log.push(...written);
    this.streams.set(stream, existing.concat(written));
    for (const subscription of this.live) for (const event of written) subscription.send(event);

    const success = new AppendResp.Success();
    const last = written[written.length - 1];
    if (last) {
      success.setCurrentRevision(String(last.revision));
      const position = new AppendResp.Position();
      position.setCommitPosition(String(last.position));
      position.setPreparePosition(String(last.position));
      success.setPosition(position);
    } else if (current >= 0) {
      success.setCurrentRevision(String(current));
      success.setNoPosition(new Empty());
    } else {
      success.setNoStream(new Empty());
      success.setNoPosition(new Empty());
    }
    response.setSuccess(success);
    return response;
  }

  private read(call: grpc.ServerWritableStream<ReadReq, ReadResp>): void {
    const options = call.request.getOptions();
    if (!options) {
      call.destroy(Object.assign(new Error('read without options'), { code: grpc.status.INVALID_ARGUMENT }));
      return;
    }
    const count = options.hasCount() ? Number(BigInt(options.getCount())) : Number.MAX_SAFE_INTEGER;
    const backwards = options.getReadDirection() === ReadReq.Options.ReadDirection.BACKWARDS;
    const matches = eventFilter(options);

    if (options.hasStream()) {
      const streamOptions = options.getStream()!;
      const stream = streamName(streamOptions.getStreamIdentifier());
      const events = this.streams.get(stream) ?? [];
      if (events.length === 0) {
        const notFound = new ReadResp.StreamNotFound();
        notFound.setStreamIdentifier(streamOptions.getStreamIdentifier());
        call.write(new ReadResp().setStreamNotFound(notFound));
        call.end();
        return;
      }
      let selected: StoredEvent[];
      if (backwards) {
        const from = streamOptions.hasRevision() ? Number(streamOptions.getRevision()) : events.length - 1;
        selected = events.filter((event) => event.revision <= from).reverse();
      } else {
        const from = streamOptions.hasRevision() ? Number(streamOptions.getRevision()) : 0;
        selected = events.filter((event) => event.revision >= from);
      }
      for (const event of selected.slice(0, count)) call.write(readResp(event));
      call.end();
      return;
    }

    const all = options.getAll()!;
    const from = all.hasPosition() ? BigInt(all.getPosition()!.getCommitPosition()) : undefined;
    if (options.hasSubscription()) return this.subscribe(call, all.hasEnd() ? this.nextPosition : from, matches);

    let selected: StoredEvent[];
    if (backwards) {
      selected = this.log.filter((event) => all.hasEnd() || from === undefined || event.position < from).reverse();
    } else {
      selected = all.hasEnd() ? [] : this.log.filter((event) => from === undefined || event.position >= from);
    }
    for (const event of selected.filter(matches).slice(0, count)) call.write(readResp(event));
    call.end();
  }

  /** Confirmation, every event after `after`, `caught_up`, then live events until cancelled. */
  private subscribe(
    call: grpc.ServerWritableStream<ReadReq, ReadResp>,
    after: bigint | undefined,
    matches: (event: StoredEvent) => boolean,
  ): void {
    const confirmation = new ReadResp.SubscriptionConfirmation();
    confirmation.setSubscriptionId(randomUUID());
    call.write(new ReadResp().setConfirmation(confirmation));
    for (const event of this.log) if ((after === undefined || event.position > after) && matches(event)) call.write(readResp(event));
    call.write(new ReadResp().setCaughtUp(new ReadResp.CaughtUp()));
    const subscription: LiveSubscription = {
      call,
      send: (event) => {
        if (matches(event)) call.write(readResp(event));
      },
    };
    this.live.add(subscription);
    const forget = () => this.live.delete(subscription);
    call.on('cancelled', forget);
    call.on('close', forget);
    call.on('error', forget);
  }
}

interface StoredEvent {
  id: string;
  stream: string;
  revision: number;
  type: string;
  contentType: string;
  /** 100-ns ticks since the Unix epoch, as the server sends `created`. */
  created: string;
  data: Buffer;
  customMetadata: Buffer;
  position: bigint;
}

interface LiveSubscription {
  call: grpc.ServerWritableStream<ReadReq, ReadResp>;
  send(event: StoredEvent): void;
}

function supportedMethods(): SupportedMethods {
  const method = (serviceName: string, methodName: string) => {
    const supported = new SupportedMethod();
    supported.setServiceName(serviceName);
    supported.setMethodName(methodName);
    return supported;
  };
  const methods = new SupportedMethods();
  methods.setEventStoreServerVersion('24.10.0');
  methods.setMethodsList([
    method('event_store.client.server_features.serverfeatures', 'getsupportedmethods'),
    method('event_store.client.streams.streams', 'append'),
    method('event_store.client.streams.streams', 'read'),
  ]);
  return methods;
}

function streamName(identifier: StreamIdentifier | undefined): string {
  return Buffer.from(identifier?.getStreamName_asU8() ?? new Uint8Array()).toString('utf8');
}

function expectationHolds(options: AppendReq.Options, current: number): boolean {
  switch (options.getExpectedStreamRevisionCase()) {
    case AppendReq.Options.ExpectedStreamRevisionCase.REVISION:
      return Number(options.getRevision()) === current;
    case AppendReq.Options.ExpectedStreamRevisionCase.NO_STREAM:
      return current === -1;
    case AppendReq.Options.ExpectedStreamRevisionCase.STREAM_EXISTS:
      return current >= 0;
    default:
      return true;
  }
}

function wrongExpectedVersion(options: AppendReq.Options, current: number): AppendResp.WrongExpectedVersion {
  const wrong = new AppendResp.WrongExpectedVersion();
  if (current >= 0) {
    wrong.setCurrentRevision(String(current));
    wrong.setCurrentRevision2060(current);
  } else {
    wrong.setCurrentNoStream(new Empty());
    wrong.setNoStream2060(new Empty());
  }
  switch (options.getExpectedStreamRevisionCase()) {
    case AppendReq.Options.ExpectedStreamRevisionCase.REVISION:
      wrong.setExpectedRevision(options.getRevision());
      wrong.setExpectedRevision2060(Number(options.getRevision()));
      break;
    case AppendReq.Options.ExpectedStreamRevisionCase.NO_STREAM:
      wrong.setExpectedNoStream(new Empty());
      break;
    case AppendReq.Options.ExpectedStreamRevisionCase.STREAM_EXISTS:
      wrong.setExpectedStreamExists(new Empty());
      wrong.setStreamExists2060(new Empty());
      break;
    default:
      wrong.setExpectedAny(new Empty());
      wrong.setAny2060(new Empty());
  }
  return wrong;
}

/** The read's stream-name or event-type filter (regex or prefixes), or everything. */
function eventFilter(options: ReadReq.Options): (event: StoredEvent) => boolean {
  if (!options.hasFilter()) return () => true;
  const filter = options.getFilter()!;
  const onType = filter.hasEventType();
  const expression = onType ? filter.getEventType()! : filter.getStreamIdentifier()!;
  const regex = expression.getRegex() ? new RegExp(expression.getRegex()) : undefined;
  const prefixes = expression.getPrefixList();
  return (event) => {
    const subject = onType ? event.type : event.stream;
    return (regex?.test(subject) ?? true) && (prefixes.length === 0 || prefixes.some((prefix) => subject.startsWith(prefix)));
  };
}

function readResp(event: StoredEvent): ReadResp {
  const id = new UUID();
  id.setString(event.id);
  const identifier = new StreamIdentifier();
  identifier.setStreamName(Buffer.from(event.stream, 'utf8'));
  const recorded = new ReadResp.ReadEvent.RecordedEvent();
  recorded.setId(id);
  recorded.setStreamIdentifier(identifier);
  recorded.setStreamRevision(String(event.revision));
  recorded.setCommitPosition(String(event.position));
  recorded.setPreparePosition(String(event.position));
  recorded.getMetadataMap().set('type', event.type).set('content-type', event.contentType).set('created', event.created);
  recorded.setData(event.data);
  recorded.setCustomMetadata(event.customMetadata);
  const read = new ReadResp.ReadEvent();
  read.setEvent(recorded);
  read.setCommitPosition(String(event.position));
  return new ReadResp().setEvent(read);
}
