import type { ReactNode } from 'react';

/** One column of a Table. */
export interface Column<T> {
  header: string;
  cell: (row: T) => ReactNode;
  /** Hide the header text visually (e.g. an actions column). */
  hideHeader?: boolean;
  className?: string;
}

/**
 * A data table with a caption and column headers. On narrow screens each row becomes a card
 * and cells show their column name (from data-label).
 */
export function Table<T>({
  caption,
  captionHidden = true,
  columns,
  rows,
  rowKey,
}: {
  caption: string;
  captionHidden?: boolean;
  columns: Column<T>[];
  rows: readonly T[];
  rowKey: (row: T) => string;
}) {
  return (
    <div className="table-wrap">
      <table className="table">
        <caption className={captionHidden ? 'sr-only' : undefined}>{caption}</caption>
        <thead>
          <tr>
            {columns.map((column) => (
              <th key={column.header} scope="col" className={column.className}>
                {column.hideHeader ? (
                  <span className="sr-only">{column.header}</span>
                ) : (
                  column.header
                )}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={rowKey(row)}>
              {columns.map((column) => (
                <td
                  key={column.header}
                  className={column.className}
                  data-label={column.hideHeader ? undefined : column.header}
                >
                  <div className="cell">{column.cell(row)}</div>
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
