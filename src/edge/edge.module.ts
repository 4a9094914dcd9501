import { Controller, type DynamicModule, Module } from '@nestjs/common';
import { SessionsModule } from '../sessions/sessions.module.js';
import { EdgeController } from './edge.controller.js';
import { EdgeService } from './edge.service.js';

/** Adobe's Media Edge API (contract C10), on the collection engine of the SessionsModule. */
@Module({})
export class EdgeModule {
  /**
   * Its routes below `/{basePath}` (`EDGE_BASE_PATH`): the controller's path is the
   * configuration's, set on a class of this module's own, so that apps of different base paths
   * can live in one process and the OpenAPI document names the real paths.
   */
  static forRoot(basePath: string): DynamicModule {
    class EdgeRoutes extends EdgeController {}
    Controller(basePath)(EdgeRoutes);
    return {
      module: EdgeModule,
      imports: [SessionsModule],
      controllers: [EdgeRoutes],
      providers: [EdgeService],
    };
  }
}
