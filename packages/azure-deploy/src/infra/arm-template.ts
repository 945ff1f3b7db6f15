/**
 * A minimal typed model of an ARM deployment template (what `az deployment group create --template-file` takes),
 * enough for the KidsStories environment. ARM template language:
 * https://learn.microsoft.com/azure/azure-resource-manager/templates/syntax
 */

/** An ARM expression, such as `[parameters('location')]`. */
export type ArmExpression = `[${string}]`;

/** One template parameter. */
export interface ArmParameter {
  type: 'string' | 'securestring' | 'int' | 'bool' | 'object' | 'array';
  defaultValue?: unknown;
  allowedValues?: unknown[];
  minLength?: number;
  /** Smallest value of an `int` parameter. */
  minValue?: number;
  /** Largest value of an `int` parameter. */
  maxValue?: number;
  metadata: { description: string };
}

/** One resource of the template. */
export interface ArmResource {
  type: string;
  apiVersion: string;
  name: string;
  location?: string;
  kind?: string;
  sku?: Record<string, unknown>;
  identity?: Record<string, unknown>;
  scope?: string;
  dependsOn?: string[];
  tags?: Record<string, string>;
  properties: Record<string, unknown>;
}

/** The template. */
export interface ArmTemplate {
  $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#';
  contentVersion: '1.0.0.0';
  metadata: { description: string; generator: string };
  parameters: Record<string, ArmParameter>;
  variables: Record<string, unknown>;
  resources: ArmResource[];
  outputs: Record<string, { type: 'string'; value: string }>;
}

/** `[expression]`. */
export const arm = (expression: string): ArmExpression => `[${expression}]`;

/** `resourceId('type', name...)` with names given as ARM expressions (without brackets). */
export const resourceId = (type: string, ...names: string[]) => `resourceId('${type}', ${names.join(', ')})`;

/**
 * The template as JSON text. ARM JSON has no decimal literals, so fractional numbers (container CPU such as 0.5)
 * are written as `[json('0.5')]`, which ARM evaluates back to the number.
 */
export function renderArmTemplate(template: ArmTemplate): string {
  return `${JSON.stringify(
    template,
    (_key, value: unknown) =>
      typeof value === 'number' && !Number.isInteger(value) ? `[json('${value}')]` : value,
    2,
  )}\n`;
}
