import { Controller, HttpCode, Options } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';

/** CORS preflight: OPTIONS on any /api/v1 path is 204 with the CORS headers (contract C6). */
@ApiExcludeController()
@Controller('api/v1')
export class PreflightController {
  @Options()
  @HttpCode(204)
  root(): void {}

  @Options('*')
  @HttpCode(204)
  any(): void {}
}
