// The bundled central example (examples/central): its bitbucket-pipelines.yml and central Sonar settings, embedded by the build so dist runs without the checkout.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

declare const CROSSCHECK_CENTRAL_PIPELINE: string | undefined;
declare const CROSSCHECK_CENTRAL_SONAR_SETTINGS: string | undefined;

/** Outside the bundle (tests run the compiled sources from out/src/sandbox), the files are read from the checkout. */
function fromCheckout(name: string): string {
  return readFileSync(join(__dirname, '..', '..', '..', 'examples', 'central', name), 'utf8');
}

/** examples/central/bitbucket-pipelines.yml */
export const CENTRAL_PIPELINE_YML: string =
  typeof CROSSCHECK_CENTRAL_PIPELINE === 'string'
    ? CROSSCHECK_CENTRAL_PIPELINE
    : fromCheckout('bitbucket-pipelines.yml');

/** examples/central/sonar-central.properties: the settings the analyse step gives the scanner instead of the tree's. */
export const CENTRAL_SONAR_SETTINGS: string =
  typeof CROSSCHECK_CENTRAL_SONAR_SETTINGS === 'string'
    ? CROSSCHECK_CENTRAL_SONAR_SETTINGS
    : fromCheckout('sonar-central.properties');

/** The custom pipeline the individual repositories trigger. */
export const CENTRAL_PIPELINE_NAME = 'sonar-pr-check';
