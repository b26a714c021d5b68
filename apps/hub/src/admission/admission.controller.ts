import { BadRequestException, Body, Controller, HttpCode, Post } from '@nestjs/common';
import { reviewManagedClusterModule, type AdmissionReviewResponse } from './review-managed-cluster-module.js';

/** The path upstream's hub webhook uses (internal/webhook/hub/managedclustermodule_webhook.go). */
export const VALIDATE_MANAGED_CLUSTER_MODULE_PATH = '/validate-hub-kmm-sigs-x-k8s-io-v1beta1-managedclustermodule';

@Controller()
export class AdmissionController {
  @Post(VALIDATE_MANAGED_CLUSTER_MODULE_PATH)
  @HttpCode(200)
  validateManagedClusterModule(@Body() body: unknown): AdmissionReviewResponse {
    const result = reviewManagedClusterModule(body);
    if (!result.ok) throw new BadRequestException(result.message);
    return result.review;
  }
}
