-- Names of files beside the warehouse that rows point at. Also run on its own, in
-- memory, by the extraction workers that draw the pictures (report/crops.py).

-- A row's picture, cut from its page (report/crops.py), relative to the warehouse
-- file's folder: one folder per PDF content.
CREATE OR REPLACE MACRO source_image_name(sha256, page, row_index) AS
    'sources/' || sha256 || '/p' || page || '-r' || row_index || '.png';
