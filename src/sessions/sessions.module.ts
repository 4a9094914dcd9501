import { Module } from '@nestjs/common';
import { DownloadedController } from './downloaded.controller.js';
import { SessionSweeper } from './session-sweeper.js';
import { StorageKeeper } from './storage-keeper.js';
import { SessionsController } from './sessions.controller.js';
import { SessionsRepository } from './sessions.repository.js';
import { SessionsService } from './sessions.service.js';

/** The collection API: sessions, their events, offline batches and the lifecycle sweep. */
@Module({
  controllers: [SessionsController, DownloadedController],
  providers: [SessionsService, SessionsRepository, SessionSweeper, StorageKeeper],
  exports: [SessionsService],
})
export class SessionsModule {}
