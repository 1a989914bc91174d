import Fastify from 'fastify';

// The baseline: a bare Fastify route answering a small JSON object, on the same machine.
const app = Fastify({ logger: false });
const body = { id: '00000000-0000-0000-0000-000000000000', firstName: 'דנה', lastName: 'כהן', ordersCount: 3 };
app.get('/bare', async () => body);
// For write benchmarks: a JSON body read and answered.
app.post('/bare', async (req) => ({ ...body, echo: req.body }));
await app.listen({ port: Number(process.env.PORT ?? 3999), host: '127.0.0.1' });
console.log('bare server ready');
