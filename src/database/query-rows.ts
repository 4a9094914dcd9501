import { DataSource, type QueryResult, type QueryRunner } from 'typeorm';

/**
 * The rows a statement returns, whatever its kind: TypeORM's plain `query()` answers an UPDATE
 * with `[rows, count]`, so repositories read the structured result instead.
 */
export async function queryRows<T>(
  source: DataSource | QueryRunner,
  sql: string,
  parameters: unknown[] = [],
): Promise<T[]> {
  if (!(source instanceof DataSource)) {
    const result: QueryResult = await source.query(sql, parameters, true);
    return result.records as T[];
  }
  const runner = source.createQueryRunner();
  try {
    return await queryRows<T>(runner, sql, parameters);
  } finally {
    await runner.release();
  }
}
