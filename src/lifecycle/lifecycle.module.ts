import { Global, Module } from '@nestjs/common';
import { SessionLifecycle } from './lifecycle.js';

/** Publishes the session lifecycle to every module. */
@Global()
@Module({ providers: [SessionLifecycle], exports: [SessionLifecycle] })
export class LifecycleModule {}
