import { keepHeapSmall } from '../core/heap.js';
import { run } from './run.js';

keepHeapSmall();
await run();
