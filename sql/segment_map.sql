-- The default segment of each of the 125 RFM codes (tests/fixtures/rfm/segment_map.csv, the
-- 11-segment table of the Squeezely RFM app), seeded into storesync.rfm_segment_map. Analysts
-- may edit the map: a change re-segments the scored customers at once (see rfm_realtime.sql).
CREATE FUNCTION storesync._rfm_segment_map_seed()
RETURNS TABLE (rfm_code text, segment text)
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    VALUES
        ('111', 'Lost'),
        ('112', 'Lost'),
        ('113', 'Cannot Lose Them'),
        ('114', 'Cannot Lose Them'),
        ('115', 'Cannot Lose Them'),
        ('121', 'Lost'),
        ('122', 'Hibernating'),
        ('123', 'Hibernating'),
        ('124', 'At Risk'),
        ('125', 'At Risk'),
        ('131', 'Lost'),
        ('132', 'Hibernating'),
        ('133', 'At Risk'),
        ('134', 'At Risk'),
        ('135', 'At Risk'),
        ('141', 'Lost'),
        ('142', 'At Risk'),
        ('143', 'At Risk'),
        ('144', 'Cannot Lose Them'),
        ('145', 'At Risk'),
        ('151', 'Lost'),
        ('152', 'At Risk'),
        ('153', 'At Risk'),
        ('154', 'Cannot Lose Them'),
        ('155', 'Cannot Lose Them'),
        ('211', 'Hibernating'),
        ('212', 'Hibernating'),
        ('213', 'About To Sleep'),
        ('214', 'Cannot Lose Them'),
        ('215', 'Cannot Lose Them'),
        ('221', 'About To Sleep'),
        ('222', 'Hibernating'),
        ('223', 'Hibernating'),
        ('224', 'At Risk'),
        ('225', 'At Risk'),
        ('231', 'About To Sleep'),
        ('232', 'Hibernating'),
        ('233', 'Hibernating'),
        ('234', 'At Risk'),
        ('235', 'At Risk'),
        ('241', 'About To Sleep'),
        ('242', 'At Risk'),
        ('243', 'At Risk'),
        ('244', 'At Risk'),
        ('245', 'At Risk'),
        ('251', 'About To Sleep'),
        ('252', 'At Risk'),
        ('253', 'At Risk'),
        ('254', 'At Risk'),
        ('255', 'At Risk'),
        ('311', 'New Customers'),
        ('312', 'About To Sleep'),
        ('313', 'Promising'),
        ('314', 'Promising'),
        ('315', 'Promising'),
        ('321', 'About To Sleep'),
        ('322', 'Hibernating'),
        ('323', 'Potential Loyalist'),
        ('324', 'Need Attention'),
        ('325', 'Need Attention'),
        ('331', 'About To Sleep'),
        ('332', 'Hibernating'),
        ('333', 'Potential Loyalist'),
        ('334', 'Need Attention'),
        ('335', 'Loyal'),
        ('341', 'Potential Loyalist'),
        ('342', 'Potential Loyalist'),
        ('343', 'Need Attention'),
        ('344', 'Loyal'),
        ('345', 'Loyal'),
        ('351', 'Potential Loyalist'),
        ('352', 'Potential Loyalist'),
        ('353', 'Potential Loyalist'),
        ('354', 'Loyal'),
        ('355', 'Loyal'),
        ('411', 'New Customers'),
        ('412', 'New Customers'),
        ('413', 'Promising'),
        ('414', 'Promising'),
        ('415', 'Promising'),
        ('421', 'New Customers'),
        ('422', 'New Customers'),
        ('423', 'Potential Loyalist'),
        ('424', 'Promising'),
        ('425', 'Promising'),
        ('431', 'Potential Loyalist'),
        ('432', 'Potential Loyalist'),
        ('433', 'Potential Loyalist'),
        ('434', 'Need Attention'),
        ('435', 'Loyal'),
        ('441', 'Potential Loyalist'),
        ('442', 'Potential Loyalist'),
        ('443', 'Need Attention'),
        ('444', 'Loyal'),
        ('445', 'Champions'),
        ('451', 'Potential Loyalist'),
        ('452', 'Potential Loyalist'),
        ('453', 'Potential Loyalist'),
        ('454', 'Champions'),
        ('455', 'Champions'),
        ('511', 'New Customers'),
        ('512', 'New Customers'),
        ('513', 'Promising'),
        ('514', 'Promising'),
        ('515', 'Promising'),
        ('521', 'Promising'),
        ('522', 'Promising'),
        ('523', 'Promising'),
        ('524', 'Promising'),
        ('525', 'Promising'),
        ('531', 'Potential Loyalist'),
        ('532', 'Potential Loyalist'),
        ('533', 'Potential Loyalist'),
        ('534', 'Need Attention'),
        ('535', 'Need Attention'),
        ('541', 'Potential Loyalist'),
        ('542', 'Potential Loyalist'),
        ('543', 'Loyal'),
        ('544', 'Champions'),
        ('545', 'Champions'),
        ('551', 'Potential Loyalist'),
        ('552', 'Potential Loyalist'),
        ('553', 'Potential Loyalist'),
        ('554', 'Champions'),
        ('555', 'Champions')
$$;
COMMENT ON FUNCTION storesync._rfm_segment_map_seed() IS 'Internal: the default segment of each of the 125 RFM codes, as CREATE EXTENSION seeds rfm_segment_map.';

INSERT INTO storesync.rfm_segment_map (rfm_code, segment)
SELECT s.rfm_code, s.segment FROM storesync._rfm_segment_map_seed() AS s;

-- A restore (rfm.sql, Restore mode) brings the map as the analysts left it: the first row from
-- the dump clears the seed CREATE EXTENSION inserted, so codes they deleted stay deleted; a
-- row whose code is there already (a map restored over an edited one) replaces it.
CREATE FUNCTION storesync._rfm_segment_map_restored()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NOT EXISTS (SELECT FROM storesync.rfm_segment_map AS m
                     FULL JOIN storesync._rfm_segment_map_seed() AS s ON s.rfm_code = m.rfm_code
                    WHERE m.segment IS DISTINCT FROM s.segment) THEN
        DELETE FROM storesync.rfm_segment_map;
    ELSE
        DELETE FROM storesync.rfm_segment_map AS m WHERE m.rfm_code = NEW.rfm_code;
    END IF;
    RETURN NEW;
END;
$$;
COMMENT ON FUNCTION storesync._rfm_segment_map_restored() IS 'Internal trigger on rfm_segment_map (BEFORE INSERT, restore mode only): a row from a dump replaces the install''s seed (all of it while the map is still the seed, else the row with its code).';
CREATE TRIGGER rfm_segment_map_restored BEFORE INSERT ON storesync.rfm_segment_map
    FOR EACH ROW WHEN (storesync._restoring())
    EXECUTE FUNCTION storesync._rfm_segment_map_restored();
