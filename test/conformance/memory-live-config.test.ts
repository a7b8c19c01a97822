import { MemoryChangeFeed } from '../../src/infra/memory/memory-change-feed.js';
import { MemoryChangeLog } from '../../src/infra/memory/memory-change-log.js';
import { MemoryTemplateStore } from '../../src/infra/memory/memory-template-store.js';
import { describeChangeFeedConformance } from './change-feed.conformance.js';
import { describeChangeLogConformance } from './change-log.conformance.js';
import { describeTemplateStoreConformance } from './template-store.conformance.js';

const nothingToClose = async () => {};

describeTemplateStoreConformance('memory', async () => ({ port: new MemoryTemplateStore(), close: nothingToClose }));
describeChangeLogConformance('memory', async () => ({ port: new MemoryChangeLog(), close: nothingToClose }));
describeChangeFeedConformance('memory', async () => {
  const feed = new MemoryChangeFeed();
  return { publisher: feed, subscriber: feed, close: nothingToClose };
});
