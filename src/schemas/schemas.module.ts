import { Module } from '@nestjs/common';
import { SchemasController } from './schemas.controller.js';

/** Serves the event catalogue as JSON Schemas. */
@Module({ controllers: [SchemasController] })
export class SchemasModule {}
