import { Controller, Header, HttpCode, Options } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';

/**
 * How long a browser may keep a preflight's answer. Adobe's JS SDK posts `application/json`, which
 * needs a preflight: without this, a browser asked before most POSTs (15 preflights for 23).
 */
export const PREFLIGHT_MAX_AGE_SECONDS = 86_400;

const MaxAge = () => Header('Access-Control-Max-Age', String(PREFLIGHT_MAX_AGE_SECONDS));

/** CORS preflight: OPTIONS on any /api/v1 path is 204 with the CORS headers (contract C6). */
@ApiExcludeController()
@Controller('api/v1')
export class PreflightController {
  @Options()
  @HttpCode(204)
  @MaxAge()
  root(): void {}

  @Options('*')
  @HttpCode(204)
  @MaxAge()
  any(): void {}
}
