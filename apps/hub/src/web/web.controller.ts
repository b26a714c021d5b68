import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Controller, Get, Header, Inject } from '@nestjs/common';
import { AUTH_SETTINGS, type AuthSettings } from '../auth/auth-settings.js';
import { FLEET_PAGE_CSS } from './fleet-page-style.js';
import { renderFleetPage } from './render-fleet-page.js';

/**
 * The page's script as `tsc -b` builds it from ./browser/fleet-page.ts. src/web and dist/web both sit two levels
 * under apps/hub, so this one path holds when the hub runs from its build and when tests run it from sources.
 */
export const FLEET_PAGE_SCRIPT = fileURLToPath(new URL('../../dist/web/browser/fleet-page.js', import.meta.url));

/** The page runs only its own script and style and talks only to this origin. */
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/** The fleet web page: static HTML, CSS and script; every datum comes from the API with the visitor's session. */
@Controller()
export class WebController {
  readonly #html: string;
  #script: Promise<string> | undefined;

  constructor(@Inject(AUTH_SETTINGS) settings: AuthSettings) {
    this.#html = renderFleetPage({
      authMode: settings.mode,
      webLogin: settings.mode === 'oidc' && settings.oidc.webLogin !== undefined,
    });
  }

  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Content-Security-Policy', CSP)
  @Header('X-Content-Type-Options', 'nosniff')
  @Header('Cache-Control', 'no-cache')
  page(): string {
    return this.#html;
  }

  @Get('assets/fleet.js')
  @Header('Content-Type', 'text/javascript; charset=utf-8')
  @Header('X-Content-Type-Options', 'nosniff')
  @Header('Cache-Control', 'no-cache')
  script(): Promise<string> {
    // Read once; a failed read (no build yet) is retried by the next request.
    this.#script ??= readFile(FLEET_PAGE_SCRIPT, 'utf8').catch((cause: unknown) => {
      this.#script = undefined;
      throw new Error(`the fleet page script ${FLEET_PAGE_SCRIPT} cannot be read: run npm run build`, { cause });
    });
    return this.#script;
  }

  @Get('assets/fleet.css')
  @Header('Content-Type', 'text/css; charset=utf-8')
  @Header('X-Content-Type-Options', 'nosniff')
  @Header('Cache-Control', 'no-cache')
  style(): string {
    return FLEET_PAGE_CSS;
  }
}
