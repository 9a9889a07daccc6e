/**
 * ../tracker-abuse.test.ts again, its tracker keeping the swarm in a redis-server of its
 * own (the store of trackers that serve one swarm together): set before the tests load, since
 * their harness reads it then. Run within `npm run test:unit`, beside the other files.
 */
process.env.BT_TUI_TEST_STORE = 'redis';
await import('../tracker-abuse.test.ts');
