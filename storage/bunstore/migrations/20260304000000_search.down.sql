DROP TABLE IF EXISTS product_gram_counts;

--bun:split

DROP TABLE IF EXISTS product_grams;
