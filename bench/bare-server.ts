import Fastify from 'fastify';
import pg from 'pg';

// The baseline: a bare Fastify route answering a small JSON object, on the same machine.
const app = Fastify({ logger: false });
const body = { id: '00000000-0000-0000-0000-000000000000', firstName: 'דנה', lastName: 'כהן', ordersCount: 3 };
app.get('/bare', async () => body);
// For write benchmarks: a JSON body read and answered.
app.post('/bare', async (req) => ({ ...body, echo: req.body }));

// The floor under any route of the app (BARE_DATABASE_URL and BARE_WORKSPACE_ID given): one transaction bound to
// the workspace, as the app's are, with a single statement in it — the code's row read under row security, and for
// a body with an order id one row written — on a pool of the app's size. No route that reads the database and
// keeps the tenancy wall can do less.
const url = process.env.BARE_DATABASE_URL;
const workspaceId = process.env.BARE_WORKSPACE_ID;
if (url && workspaceId && /^[0-9a-f-]{36}$/.test(workspaceId)) {
  const pool = new pg.Pool({ connectionString: url, max: 20 });
  const begin = `begin; select set_config('klient.workspace_id', '${workspaceId}', true), set_config('role', 'klient_app', true)`;
  app.post<{ Body: { code: string; orderId?: string } }>('/bare-db', async (req) => {
    const client = await pool.connect();
    try {
      await client.query(begin);
      const { rows } = req.body.orderId
        ? await client.query('insert into bench_floor_uses (order_id, code) values ($1, $2) returning code', [
            req.body.orderId,
            req.body.code,
          ])
        : await client.query(
            'select code, status from loyalty_coupons where workspace_id = $1 and code_key = upper($2)',
            [workspaceId, req.body.code],
          );
      await client.query('commit');
      return { ...body, row: rows[0] ?? null };
    } catch (error) {
      await client.query('rollback');
      throw error;
    } finally {
      client.release();
    }
  });
}
await app.listen({ port: Number(process.env.PORT ?? 3999), host: '127.0.0.1' });
console.log('bare server ready');
