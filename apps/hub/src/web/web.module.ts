import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { WebController } from './web.controller.js';

/** The fleet page at `/`. */
@Module({ imports: [AuthModule], controllers: [WebController] })
export class WebModule {}
